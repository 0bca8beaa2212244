"""The workbench (home page) names a person's roles in their language, never as group ids."""

import pytest

from core import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def roles_line(client, user, language: str = "en") -> str:
    client.force_login(user)
    page = client.get("/queue/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    (line,) = [line for line in page.splitlines() if 'class="muted"' in line]
    return line


def test_roles_are_shown_by_name_not_by_group_id(client, department_member):
    line = roles_line(client, department_member)

    assert "Your roles: Department member" in line
    assert "department_members" not in line


def test_roles_are_shown_in_simplified_chinese(client):
    user = UserFactory(roles=[roles.OFFICERS, roles.SUPERVISORS])

    line = roles_line(client, user, language="zh-hans")

    assert "我的角色：主管, 服务升级官" in line


def test_an_administrator_sees_the_role_and_a_custom_group_keeps_its_name(client):
    user = UserFactory(roles=["night shift"], is_superuser=True)

    line = roles_line(client, user)

    assert "Your roles: Administrator, night shift" in line
