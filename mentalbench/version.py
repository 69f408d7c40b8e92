"""The package's version, and the version of the plugin API that third parties build on."""

__version__ = "0.2.0"

#: Bumped on a change a plugin could notice (a hook's arguments, a record's fields, the Model
#: contract): the major number when something is removed or changes meaning.
__api_version__ = "1.0"
