"""Date and time formats (settings.FORMAT_MODULE_PATH): one format everywhere, YYYY-MM-DD, with HH:MM where a time
is shown; Django's own Chinese formats ("2026年5月1日") are not used."""
