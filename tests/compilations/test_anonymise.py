from cases.compilations.anonymise import redact, shorten


def test_names_numbers_and_contact_details_go_and_dates_stay():
    text = ("Anna Andersson (19450101-1234, 450101+1234) ringde 070-123 45 67 och +46 8 123 456 78 den "
            "2025-03-10 kl. 10:00; mejl anna.a@example.se. ANDERSSON var inte nöjd.")
    result = redact(text, ["Anna Andersson"])
    for secret in ("Anna", "Andersson", "ANDERSSON", "19450101-1234", "450101+1234", "070-123", "123 456 78",
                   "example.se"):
        assert secret not in result
    assert "2025-03-10 kl. 10:00" in result


def test_shorten_cuts_at_a_word():
    assert shorten("ett två tre fyra", limit=9) == "ett två …"
