"""Session 20: what Python's str.lower as SQLite's lower() costs an outlet filter (RESULTS section 5).

    python scripts/experiments/s20/sqlite_lower.py
"""

import random
import sqlite3
import time

con = sqlite3.connect(":memory:")
con.execute("create table d(pk integer primary key, outlet text)")
rnd = random.Random(0)
outlets = [f"Outlet {i}" for i in range(300)] + ["Über/News", "РИА Новости"]
con.executemany("insert into d(outlet) values (?)", [(rnd.choice(outlets),) for _ in range(100000)])


def best_ms(query: str, *args) -> tuple[float, tuple]:
    best, row = 1e9, ()
    for _ in range(5):
        t0 = time.perf_counter()
        row = con.execute(query, args).fetchone()
        best = min(best, time.perf_counter() - t0)
    return best * 1000, row


Q = "select count(*) from d where lower(outlet) = ?"
print("SQLite lower():", best_ms(Q, "outlet 7"))
con.create_function("lower", 1, lambda v: v.lower() if isinstance(v, str) else v, deterministic=True)
print("Python lower():", best_ms(Q, "outlet 7"))
print("Python lower(), non-ASCII:", best_ms(Q, "über/news"))
