"""A run: resolving names, executing the plan, answering, exports, the dry run, estimates and cost."""
