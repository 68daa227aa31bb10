console.log("wwb")
