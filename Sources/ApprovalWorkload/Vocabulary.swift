/// The word lists snapshots are assembled from. All fictional; every list is fixed, so output
/// depends only on the seed.
enum Vocabulary {
    // MARK: - Vendors

    /// Fifty vendor names the benchmark rule set blocks (`lists.blocked_vendors`). None of them
    /// can come out of ``vendorStems`` × ``vendorTrades`` × ``vendorSuffixes``.
    static let blockedVendors: [String] = [
        "Blackridge Offshore Ltd", "Crimson Ledger Partners", "Darkwater Logistics", "Shadowmere Trading Co",
        "Ironclad Shell Holdings", "Grey Harbor Imports", "Vantablack Consulting", "Nightfall Freight LLC",
        "Obsidian Capital Group", "Redline Procurement Services", "Silent Key Systems", "Phantom Supply Chain Inc",
        "Murkwood Timber Exports", "Hollow Point Security", "Rogue Wave Marketing", "Cobalt Mirage Software",
        "Blind Spot Analytics", "Deadlock Data Brokers", "Quicksand Realty Partners", "Counterfeit Components Ltd",
        "Gilded Cage Finance", "Smoke Signal Media", "Tidewater Sanctioned Metals", "Backdoor Networks",
        "Loophole Tax Advisors", "Sundown Pharma Trading", "False Dawn Energy", "Ghost Fleet Shipping",
        "Broken Arrow Defense Supply", "Mirage Medical Devices", "Paper Tiger Holdings", "Black Swan Brokerage",
        "Trojan Horse IT Services", "Sinkhole Construction", "Riptide Recruiting", "Cold Trail Couriers",
        "Ashfall Chemicals", "Nimbus Offshore Trust", "Shell Game Ventures", "Dark Pool Securities",
        "Wildcard Staffing Agency", "Fool's Gold Mining", "Short Circuit Electronics", "Hidden Hand Lobbying",
        "Stormcrow Aviation", "Undertow Payments", "Vapourware Labs", "Crooked Creek Lumber",
        "Snake Oil Wellness", "Lost Ledger Accounting",
    ]

    static let vendorStems = [
        "Acme", "Northwind", "Globex", "Initech", "Alderbrook", "Bluebird", "Cascade", "Summit", "Harborview",
        "Lakeside", "Meridian", "Pinnacle", "Redwood", "Silverline", "Stonebridge", "Tandem", "Upland", "Vertex",
        "Willow", "Zenith", "Brightpath", "Clearwater", "Evergreen", "Foxglove", "Granite", "Highland", "Juniper",
        "Keystone", "Lighthouse", "Maple", "Oakridge", "Polaris", "Quartz", "Riverbend", "Sequoia", "Trailhead",
        "Bayside", "Copperfield", "Driftwood", "Elmstead",
    ]
    static let vendorTrades = [
        "Analytics", "Cloud Services", "Consulting", "Data Systems", "Facilities", "Freight", "Health",
        "Hosting", "Legal Services", "Logistics", "Marketing", "Networks", "Office Supply", "Software", "Staffing",
        "Translation", "Security", "Print", "Research", "Energy",
    ]
    static let vendorSuffixes = ["Inc.", "LLC", "Ltd", "GmbH", "Corporation", "Co.", "Group", "S.A.", "AB", "plc"]

    // MARK: - People and domains

    static let firstNames = [
        "amelia", "noah", "olivia", "liam", "emma", "mateo", "ava", "lucas", "sofia", "ethan", "mia", "james",
        "isabella", "benjamin", "charlotte", "elijah", "harper", "henry", "evelyn", "daniel", "aria", "samuel",
        "chloe", "david", "priya", "arjun", "mei", "wei", "yuki", "hiroshi", "fatima", "omar", "ines", "joao",
        "anna", "lars", "zofia", "tomasz", "nadia", "kofi",
    ]
    static let lastNames = [
        "smith", "johnson", "garcia", "martinez", "brown", "davis", "lopez", "wilson", "anderson", "thomas",
        "taylor", "moore", "jackson", "martin", "lee", "perez", "thompson", "white", "harris", "clark", "lewis",
        "robinson", "walker", "young", "allen", "king", "wright", "scott", "nguyen", "hill", "patel", "kim",
        "chen", "tanaka", "okafor", "silva", "novak", "larsen", "kowalski", "haddad",
    ]
    /// The company's own domain: approvers here or at a subdomain of it are legitimate.
    static let companyDomain = "example.com"
    /// Legitimate subdomains of ``companyDomain``.
    static let companySubdomains = ["emea.example.com", "us.example.com", "legal.example.com", "apac.example.com"]
    /// Domains that look like the company's but are not (a label-aware suffix test must reject
    /// every one of them).
    static let lookAlikeDomains = [
        "example.com.evil.test", "examp1e.com", "example.co", "badexample.com", "example-com.net",
        "exarnple.com", "example.com.co",
    ]
    /// Outsiders who sometimes end up on approver lists.
    static let externalDomains = ["contractor-legal.io", "gmail.com", "partnerfirm.net"]

    // MARK: - Workflow

    static let departments = [
        "engineering", "it", "legal", "marketing", "sales", "finance", "operations", "hr", "facilities",
    ]
    static let departmentWeights = [18, 10, 10, 14, 14, 10, 12, 6, 6]

    static let approvalSteps: [(id: String, name: String)] = [
        ("legal_approval", "Legal Approval"), ("finance_approval", "Finance Approval"),
        ("procurement_approval", "Procurement Approval"), ("security_review", "Security Review Approval"),
        ("executive_approval", "Executive Approval"),
    ]
    static let termMonths = [6, 12, 18, 24, 36, 48, 60]
    static let termWeights = [10, 35, 5, 25, 15, 5, 5]
    static let services = [
        "cloud hosting", "legal research", "payroll processing", "security monitoring", "office cleaning",
        "recruiting", "data labelling", "translation", "marketing analytics", "hardware maintenance",
        "SaaS licences", "customer support outsourcing", "penetration testing", "travel management",
        "facilities management", "document storage",
    ]
    static let requestReasons = [
        "Replaces the previous supplier, whose contract ends this quarter.",
        "Needed for the product launch planned for next quarter.",
        "Pricing was negotiated down after three competing quotes.",
        "Renewal at the same scope with a modest price increase.",
        "Pilot expanded to the whole department after a successful trial.",
        "Required by the audit findings from last year.",
        "Consolidates three smaller agreements into one master agreement.",
        "Urgent: the current service lapses at the end of the month.",
    ]
    static let summaryVerbs = ["New agreement for", "Renewal of", "Expansion of", "Amendment to the contract for"]
    static let priorities = ["low", "normal", "normal", "normal", "high", "urgent"]
    static let paymentTerms = ["net_30", "net_30", "net_45", "net_60", "due_on_receipt"]

    // MARK: - Files

    /// Extra file variables a request may carry besides the contract and insurance certificate.
    static let extraFileVariables: [(id: String, fileName: String)] = [
        ("statement_of_work", "statement_of_work.pdf"), ("security_questionnaire", "security_questionnaire.pdf"),
        ("w9_form", "w9_form.pdf"), ("data_processing_agreement", "dpa_signed.pdf"),
    ]
    static let contractFileNames = [
        "master_services_agreement", "contract_draft", "order_form", "msa_redline", "contract",
    ]
    static let versionSuffixes = ["", "_v2", "_v3", "_final", "_signed"]
    static let pdf = "application/pdf"
    static let docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    static let storageHosts: [(host: String, region: String)] = [
        ("approvals-prod-attachments.s3.us-east-1.amazonaws.com", "us-east-1"),
        ("approvals-prod-attachments-eu.s3.eu-west-1.amazonaws.com", "eu-west-1"),
    ]
}
