"""Demo data for `flask seed-demo`, kept out of the running portal: only that command imports
this package (a test walks the imports).

- `data.py`: the demo brands and staff, and each country's names, cities, phones and companies;
- `documents.py`: identity, company and device numbers with valid check digits;
- `drafts.py`: one client and its children as plain rows, from the client's own seed;
- `bulk.py`: the documented bulk path, for what the demo writes without the portal's rules;
- `seed.py`: `seed_demo()`, the steps in order, through the portal's rules where it has them.
"""
