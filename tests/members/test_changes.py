"""The named membership change codes are the official codes, with the labels the code tables give them."""

from smartunion.core import codes
from smartunion.members.changes import ChangeType, Reason


def constants(cls) -> dict[str, str]:
    return {name: value for name, value in vars(cls).items() if name.isupper()}


def test_every_change_type_is_named_after_its_slug():
    slugs = {entry["slug"].upper(): entry["code"] for entry in codes.entries("membership_change_type")}
    assert constants(ChangeType) == slugs


def test_every_reason_code_has_a_name_and_belongs_to_its_type():
    names = dict(codes.choices("membership_change_reason"))
    named = constants(Reason)
    assert sorted(named.values()) == sorted(names)
    assert len(set(named.values())) == len(named)
    assert names[Reason.TRANSFER_WORK] == "工作调动"
    assert names[Reason.ATTACH_NO_UNION] == "单位未建会"
    assert names[Reason.REATTACH_FOUNDED] == "单位建会"
    assert names[Reason.JOIN_IMPORT] == "批量导入"
    types = {entry["code"]: entry["type"] for entry in codes.entries("membership_change_reason")}
    assert all(types[code] == code[:2] and code[:2] in constants(ChangeType).values() for code in named.values())


def test_of_type():
    assert Reason.of_type(Reason.TRANSFER_LEFT_JOB, ChangeType.TRANSFER_OUT)
    assert not Reason.of_type(Reason.TRANSFER_IN_WORK, ChangeType.TRANSFER_OUT)
