"""Accounts: registration, log-in, sessions, passwords, WeChat, security settings.

No account enumeration anywhere: a sender, a log-in or a reset learns nothing about whether a phone or a login
name has an account, except after proving control of the phone with an SMS code.
"""
