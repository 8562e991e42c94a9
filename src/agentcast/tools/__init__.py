"""agentcast.tools"""
