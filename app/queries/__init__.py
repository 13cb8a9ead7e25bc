"""The dashboard's queries, one module per page or topic; pages reach them through `app.data`."""
