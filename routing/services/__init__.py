"""Services: they take a session and `now`, apply the rules to the records and never commit
(the caller owns the transaction)."""
