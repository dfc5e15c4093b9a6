"""How passwords are stored: Argon2id with OWASP's recommended parameters.

Django's default, PBKDF2-SHA256 with 1,000,000 iterations, costs about 0.33 s of CPU per
log-in on this 2-core machine: 50 people logging in at once hold both cores for 16 seconds,
and every page waits meanwhile. Argon2id is memory-hard (a GPU or ASIC gains far less
against it than against PBKDF2) and, with the parameters OWASP's Password Storage Cheat
Sheet gives as its first choice (19 MiB of memory, 2 iterations, 1 lane), costs about 40 ms.
Django's own Argon2 defaults (100 MiB, 8 lanes) cost as much CPU as PBKDF2 here.

Hashes stored with another hasher or other parameters (PBKDF2 from before, or a change to
these numbers) still verify, and are rewritten with these at the person's next log-in.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    # The algorithm name stays "argon2": Django's Argon2 hasher reads the parameters from
    # each stored hash, and must_update() upgrades hashes whose parameters differ.
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
