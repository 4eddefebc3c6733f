-- Salary runs withhold deductions (tax, provident fund) that are owed to others: every
-- organization's chart gets 2300 Deductions Payable (new organizations get it from the default chart).
INSERT INTO account (organization_id, code, name, type)
SELECT id, '2300', 'Deductions Payable', 'liability' FROM organization
ON CONFLICT DO NOTHING;
