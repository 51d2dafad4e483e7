"""The pack's policies, one module per concern; `__main__.py` beside this package assembles them."""
