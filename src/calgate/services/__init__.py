"""Use cases. Each public function owns its transaction; routers only parse and present."""
