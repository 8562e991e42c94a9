"""Built-in services, one module per family. Import the module you need; heavy or optional
dependencies load only when a service runs."""
