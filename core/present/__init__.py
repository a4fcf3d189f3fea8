"""Pure presentation: domain objects to rows and text, shared by the CLI, the app and the
reports. Nothing here touches the database or click."""
