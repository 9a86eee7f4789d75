"""What kind of failure an error is, for whoever decides whether to try again."""


class Permanent(Exception):  # noqa: N818 - a marker mixed into errors, not raised itself
    """Trying again changes nothing until someone acts (a source rejected by its expectations,
    refused credentials, a bad policy file, an outdated schema): Airflow must not retry it."""
