"""agentcast.studio"""
