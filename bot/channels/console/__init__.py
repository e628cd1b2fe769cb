"""The local terminal chat: the whole product on stdin/stdout, for trying it with no token."""
