"""Jaring: the data hub behind Kota Jambi's social safety net."""
