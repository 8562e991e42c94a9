"""agentcast.testing"""
