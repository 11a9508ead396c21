"""App tests: every page through Streamlit's AppTest, and the ui/ helpers the pages share."""
