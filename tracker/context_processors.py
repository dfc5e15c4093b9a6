def role(request):
    """The signed-in user's role, so the navigation shows what they may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"role": None}
    return {"role": user.role}
