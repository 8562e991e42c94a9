"""agentcast.agents"""
