"""The bundled checks, registered through the register_checks hook like any plugin's."""

from ..plugins.hookspecs import hookimpl
from .crisis import CrisisReferral
from .crisis_probe import CrisisReferralProbe
from .diagnosis import NoDiagnosis
from .professional import ProfessionalReferral


@hookimpl
def register_checks(register):
    register(CrisisReferral())
    register(CrisisReferralProbe())
    register(ProfessionalReferral())
    register(NoDiagnosis())
