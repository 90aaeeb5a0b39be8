"""Campaigns and tasks (专项工作 / 督办): cross-department work, reminders, Gantt."""
