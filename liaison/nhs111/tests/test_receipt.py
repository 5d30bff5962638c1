"""Receiving a message: stored whole or not at all, once, routed to the practice or the ICB queue."""

import json
from unittest import mock

import pytest
from django.db import IntegrityError, connection

from liaison.core.factories import PracticeFactory
from liaison.nhs111 import services
from liaison.nhs111.models import (
    IntakeRejection,
    MessageEvent,
    MessageIssue,
    MessageStatus,
    Purpose,
    Queue,
    ReceivedMessage,
    SenderCredential,
)
from liaison.nhs111.samples import pem_stu3, referral_r4

pytestmark = pytest.mark.django_db


def test_a_sender_credential_is_stored_only_as_a_digest(provider_111):
    credential, secret = services.sender_credential_issue(organisation=provider_111, name="Adastra live")
    assert secret.startswith("l111_")
    assert credential.digest == SenderCredential.digest_of(secret)
    assert secret not in json.dumps(list(SenderCredential.objects.values()), default=str)


def test_a_valid_referral_is_stored_whole_with_its_checking_result(receive, practice, icb):
    bundle = referral_r4(drop=("allergy",))
    receipt = receive(bundle, request_id="0b1e7a52-5d0f-4b63-9d3c-1f2e3a4b5c6d")
    assert receipt.status == 200
    message = receipt.message
    assert message.raw == bundle
    assert message.practice == practice
    assert message.queue == Queue.PRACTICE
    assert message.icb == icb
    assert message.purpose == Purpose.FOR_ACTION
    assert message.due_by.isoformat() == "2026-11-29T18:00:00+00:00"
    assert message.sections_missing == ["Allergies and adverse reactions"]
    assert message.validation == receipt.outcome
    assert message.request_id == "0b1e7a52-5d0f-4b63-9d3c-1f2e3a4b5c6d"
    assert message.status == MessageStatus.RECEIVED
    assert [(i.severity, i.section) for i in message.issues.all()] == [
        ("warning", "Allergies and adverse reactions")
    ]
    assert [e.to_status for e in message.events.all()] == [MessageStatus.RECEIVED]


def test_a_repeat_of_a_processed_message_is_a_duplicate_and_not_stored_twice(receive):
    bundle = referral_r4()
    assert receive(bundle).status == 200
    repeat = receive(bundle)
    assert repeat.status == 409
    assert repeat.outcome["issue"][0]["code"] == "duplicate"
    assert repeat.outcome["issue"][0]["details"]["coding"][0]["code"] == "REC_CONFLICT"
    assert ReceivedMessage.objects.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has one writer at a time: there a concurrent repeat is answered 409 once the first is stored",
)
def test_a_repeat_while_the_first_is_still_processing_is_too_early(receive, provider_111, held_elsewhere):
    bundle = referral_r4()
    held_elsewhere(provider_111.ods_code, bundle["id"])
    repeat = receive(bundle)
    assert repeat.status == 425
    assert repeat.outcome["issue"][0]["details"]["coding"][0]["code"] == "REC_TOO_EARLY"
    assert ReceivedMessage.objects.count() == 0


def test_a_rejected_message_keeps_no_patient_data_and_can_be_sent_again_corrected(receive):
    bundle = referral_r4(drop=("pathways",))
    receipt = receive(bundle)
    assert receipt.status == 400
    assert ReceivedMessage.objects.count() == 0
    rejection = IntakeRejection.objects.get()
    assert "9990000018" not in json.dumps(rejection.outcome)
    assert "Jane" not in json.dumps(rejection.outcome)
    assert rejection.issues.filter(section="Presenting complaints or issues", severity="error").exists()
    fixed = referral_r4(message_id=bundle["id"])
    assert receive(fixed).status == 200


def test_a_sender_may_only_send_as_itself(receive):
    receipt = receive(referral_r4(sender_ods="RYE"))
    assert receipt.status == 403
    assert receipt.outcome["issue"][0]["details"]["coding"][0]["code"] == "REC_FORBIDDEN"
    assert ReceivedMessage.objects.count() == 0


def test_receipt_is_atomic_a_failure_part_way_stores_nothing(receive):
    with (
        mock.patch.object(MessageIssue.objects, "bulk_create", side_effect=IntegrityError("disk full")),
        pytest.raises(IntegrityError),
    ):
        receive(referral_r4(drop=("allergy",)))
    assert ReceivedMessage.objects.count() == 0
    assert MessageIssue.objects.count() == 0


def test_a_patient_with_no_registered_practice_goes_to_the_icb_unregistered_queue(receive, icb):
    receipt = receive(referral_r4(practice_ods=None))
    message = receipt.message
    assert receipt.status == 200
    assert message.queue == Queue.UNREGISTERED
    assert message.practice is None
    assert message.icb == icb
    assert "GP practice details" in message.sections_missing


def test_a_practice_liaison_does_not_know_also_goes_to_the_unregistered_queue(receive, icb):
    message = receive(referral_r4(practice_ods="Y99999")).message
    assert message.queue == Queue.UNREGISTERED
    assert message.registered_practice_ods == "Y99999"
    assert message.icb == icb


def test_a_closed_practice_does_not_receive_the_message(receive, icb):
    import datetime

    PracticeFactory(ods_code="N82999", icb=icb, closed_on=datetime.date(2024, 3, 31))
    assert receive(referral_r4(practice_ods="N82999")).message.queue == Queue.UNREGISTERED


def test_the_adaptor_stu3_post_event_message_is_received_for_information(receive, practice):
    message = receive(pem_stu3()).message
    assert message.fhir_version == "STU3"
    assert message.purpose == Purpose.FOR_INFORMATION
    assert message.due_by is None
    assert message.practice == practice


def test_demo_messages_load_through_intake_and_a_second_run_adds_nothing(icb, settings):
    from liaison.core.factories import MembershipFactory, OrganisationFactory, UserFactory
    from liaison.directory.models import OrganisationType
    from liaison.nhs111.demo import demo_111_load

    settings.LIAISON_DEMO_DATA = True
    OrganisationFactory(ods_code="RX7", org_type=OrganisationType.AMBULANCE_111, icb=icb)
    practice = PracticeFactory(ods_code="N82050", icb=icb)
    MembershipFactory(user=UserFactory(username="gp.liverpool"), organisation=practice)
    assert [status for _, status in demo_111_load()] == [200, 200, 200, 200]
    assert [status for _, status in demo_111_load()] == [409, 409, 409, 409]
    assert ReceivedMessage.objects.filter(practice=practice).count() == 3
    assert ReceivedMessage.objects.filter(queue=Queue.UNREGISTERED, icb=icb).count() == 1


def test_a_request_that_fails_part_way_leaves_nothing_and_the_message_can_be_sent_again(receive):
    bundle = referral_r4(drop=("allergy",))
    with (
        mock.patch.object(MessageEvent.objects, "create", side_effect=IntegrityError("connection lost")),
        pytest.raises(IntegrityError),
    ):
        receive(bundle)
    assert ReceivedMessage.objects.count() == 0
    assert MessageIssue.objects.count() == 0
    assert receive(bundle).status == 200
    assert ReceivedMessage.objects.count() == 1


def test_a_repeat_of_a_processed_message_is_409_even_when_it_no_longer_passes_checking(receive):
    bundle = referral_r4()
    assert receive(bundle).status == 200
    changed = referral_r4(message_id=bundle["id"], drop=("pathways",))
    repeat = receive(changed)
    assert repeat.status == 409
    assert IntakeRejection.objects.count() == 0
