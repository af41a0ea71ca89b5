"""StageSub table definitions (SQLModel): central.py, orchestra.py, types.py."""
