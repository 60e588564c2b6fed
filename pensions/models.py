from .info_requests.models import PensionInformationRequest, RequestStatus  # noqa: F401
from .register.models import PensionScheme, SchemeKind  # noqa: F401
