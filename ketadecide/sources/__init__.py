"""Where profiles come from: profile files and stdin (batch rows and FHIR in their own modules)."""
