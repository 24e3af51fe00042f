"""One router per resource: recover (submissions), jobs (status and artifacts), health."""
