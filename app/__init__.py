"""wipcast dashboard (Streamlit). Entry point: app/streamlit_app.py; data access: app/data.py."""
