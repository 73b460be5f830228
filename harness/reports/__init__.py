"""The output contract under reports/<sweep-id>/: results.json, junit.xml, index.html."""
