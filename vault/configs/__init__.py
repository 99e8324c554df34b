"""Config files: format detection, references and stores, the runtime readers, formats/."""
