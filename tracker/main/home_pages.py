"""What each role sees first. Areas register a dedicated home endpoint as they are built."""

from tracker.models import Role, User
from tracker.patients import services as patient_services

# role -> endpoint; a role without an entry gets main/home_<role>.html.
HOME_ENDPOINTS: dict[str, str] = {
    Role.ADMIN.value: "admin.users",
    Role.NURSE.value: "visits.today",
    Role.COORDINATOR.value: "history.dashboard_page",
}


def home_endpoint(role: str) -> str | None:
    return HOME_ENDPOINTS.get(role)


def context_for(user: User) -> dict:
    if user.role == Role.PATIENT:
        return {"patient": patient_services.own_record(user)}
    return {"patients": patient_services.visible_patients(user)}
