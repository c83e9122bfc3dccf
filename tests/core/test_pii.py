import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection

from smartunion.core import pii
from smartunion.core.actors import SYSTEM
from smartunion.core.models import AuditEvent
from smartunion.core.validators import make_id_number
from smartunion.members.models import Person
from smartunion.members.services import person_by_id_number, person_upsert

ID = make_id_number("370102", dt.date(1985, 6, 1), 77)


def test_round_trip_with_aes_and_sm4(settings):
    token = pii.encrypt("370102198506010774")
    assert token.startswith(f"a{pii.keyring().current}$")
    assert pii.decrypt(token) == "370102198506010774"
    settings.PII_SUITE = "sm"
    sm = pii.encrypt("13800138000")
    assert sm.startswith("s")
    assert pii.decrypt(sm) == "13800138000"
    # Old AES ciphertext stays readable after switching suite, and is due for re-encryption.
    assert pii.decrypt(token) == "370102198506010774"
    assert pii.needs_reencryption(token) is True
    assert pii.needs_reencryption(sm) is False


def test_encryption_is_randomised_and_authenticated():
    a, b = pii.encrypt("13800138000"), pii.encrypt("13800138000")
    assert a != b
    tampered = a[:-4] + ("AAAA" if not a.endswith("AAAA") else "BBBB")
    with pytest.raises(pii.DecryptionError):
        pii.decrypt(tampered)


def test_blind_index_is_deterministic_per_purpose_and_suite(settings):
    assert pii.blind_index("x", purpose="phone") == pii.blind_index("x", purpose="phone")
    assert pii.blind_index("x", purpose="phone") != pii.blind_index("x", purpose="id_number")
    sha = pii.blind_index("x", purpose="phone")
    settings.PII_SUITE = "sm"
    assert pii.blind_index("x", purpose="phone") != sha
    assert len(pii.blind_index("x", purpose="phone")) == 64


@pytest.mark.parametrize(("helper", "value", "expected"), [
    (pii.mask_id_number, "370102198506010774", "3701**********0774"),
    (pii.mask_id_number, "", ""),
    (pii.mask_phone, "13800138000", "138****8000"),
    (pii.mask_address, "山东省济南市历下区泉城路1号", "山东省济南市****"),
    (pii.mask_name, "张伟", "张*"),
    (pii.mask_name, "欧阳娜娜", "欧阳**"),
    (pii.mask_name, "王", "王*"),
])
def test_masks(helper, value, expected):
    assert helper(value) == expected


@pytest.mark.django_db
def test_database_holds_no_plaintext_id_number_or_phone():
    person, _ = person_upsert(name="李娜", id_number=ID, phone="13812345678", address="山东省济南市历下区某路1号",
                              by=SYSTEM)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, id_number_index, phone, phone_index, address FROM members_person")
        row = cursor.fetchone()
        cursor.execute("SELECT * FROM members_person")
        everything = " ".join(str(v) for v in cursor.fetchone())
    assert ID not in everything and "13812345678" not in everything and "某路" not in everything
    assert row[0].startswith("a") and row[2].startswith("a")
    assert len(row[1]) == 64
    assert Person.objects.get(pk=person.pk).id_number == ID


@pytest.mark.django_db
def test_lookup_by_lower_case_x_finds_the_same_person():
    x_id = make_id_number("110105", dt.date(1949, 12, 31), 2)
    assert x_id == "11010519491231002X"
    person, created = person_upsert(name="王芳", id_number=x_id.lower(), by=SYSTEM)
    assert created is True and person.id_number == x_id
    again, created = person_upsert(name="王芳", id_number=x_id, by=SYSTEM)
    assert (again.pk, created) == (person.pk, False)
    assert person_by_id_number("11010519491231002x").pk == person.pk


@pytest.mark.django_db
def test_rotate_keys_re_encrypts_everything_under_the_new_version(tmp_path, settings):
    settings.PII_KEYRING = ""
    settings.PII_KEYRING_FILE = str(tmp_path / "keyring.json")
    pii.reset_keyring_cache()
    try:
        person, _ = person_upsert(name="赵强", id_number=ID, phone="13812345678", by=SYSTEM)
        call_command("rotate_keys", "--new-key", stdout=open(tmp_path / "out.txt", "w"))
        with connection.cursor() as cursor:
            cursor.execute("SELECT id_number, phone FROM members_person WHERE id = %s", [person.pk])
            id_cipher, phone_cipher = cursor.fetchone()
        assert id_cipher.startswith("a2$") and phone_cipher.startswith("a2$")
        assert Person.objects.get(pk=person.pk).id_number == ID
        assert person_by_id_number(ID).pk == person.pk
        assert AuditEvent.objects.filter(action="core.keys.rotate").get().data == {"rows": 1, "version": 2}
    finally:
        pii.reset_keyring_cache()


@pytest.mark.django_db
def test_switching_to_the_sm_suite_and_rotating_rewrites_ciphertext_and_indexes(settings, tmp_path):
    person, _ = person_upsert(name="赵强", id_number=ID, phone="13812345678", by=SYSTEM)
    settings.PII_SUITE = "sm"
    assert person_by_id_number(ID) is None  # the index is suite-specific until rotation
    call_command("rotate_keys", stdout=open(tmp_path / "out.txt", "w"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM members_person WHERE id = %s", [person.pk])
        assert cursor.fetchone()[0].startswith("s")
    assert person_by_id_number(ID).pk == person.pk
