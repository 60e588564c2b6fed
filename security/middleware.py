from .devices import set_device_cookie


class KnownDeviceCookieMiddleware:
    """Sets the device cookie a sign-in chose (security/devices.py); nothing on other requests."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        set_device_cookie(request, response)
        return response
