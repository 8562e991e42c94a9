"""agentcast.memory"""
