"""agentcast.observe"""
