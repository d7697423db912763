"""Everything users see: maps, charts, workbooks, texts. EPSG:4326 appears only here."""
