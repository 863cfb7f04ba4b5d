"""Bridges to outer loops that run the evaluations (optional dependencies).

Nothing here is imported by ``import naslib_optiproxy``; import a bridge explicitly::

    from naslib_optiproxy.integrations.ray import OptiProxySearcher  # needs naslib-optiproxy[ray]
"""
