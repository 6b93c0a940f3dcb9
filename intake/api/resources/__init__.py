"""The API's resources, one module each. Every module here is imported by
intake.api, so an operation declared in a new module is routed and
documented with nothing else to change."""
