"""Dashboard pages, run by st.navigation from app/streamlit_app.py (never imported).

The __init__ only makes setuptools ship these files in a non-editable install.
"""
