"""A module without any application in it."""

value = 1
