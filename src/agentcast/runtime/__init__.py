"""agentcast.runtime"""
