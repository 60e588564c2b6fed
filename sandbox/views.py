from django.http import JsonResponse


def index(request):
    return JsonResponse({"sandbox": "enabled", "institutions": []})
