"""The REST endpoints of workflows: the task queue (/api/v1/tasks/)."""
