"""The credit lifecycle's workflows (design.md §2): listing and status changes, objections, repairs,
publication. Used by the API and the CLI alike; the state machines live here, not in the routers."""
