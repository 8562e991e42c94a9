"""agentcast.patterns"""
