"""Everything WSO2-specific: the product home, XPath mode, secret-conf.properties."""
