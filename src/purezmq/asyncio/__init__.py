"""purezmq.asyncio."""
