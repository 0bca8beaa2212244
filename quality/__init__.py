"""Quality checks: sensitive terms found in what officers and departments write."""
